"""The resident portal: a resident looks up their account with its number and the service
address's postal code, then sees what they owe, their statements explained, their payments and
their consumption. Served as web pages by functions/portal."""

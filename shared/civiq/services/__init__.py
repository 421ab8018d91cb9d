"""Use cases, one verb each. They speak to ports, never to AWS."""

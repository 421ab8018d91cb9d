"""The staff console: server-rendered en/fr pages in the API function, over the same services
the JSON routes call. :mod:`.session` signs staff in and guards every page; the other modules
are its pages, as blueprints."""

"""The household registry pages (``/ho/``): list, detail, create, edit, delete, and their fragments."""

"""Reading public skill frameworks (ESCO, O*NET) into plain data the catalogue imports.

The readers know the frameworks' file layouts and nothing of the database; the
catalogue side (matching skills, slugs, creating roles) is `roles.importers.catalogue`.
"""

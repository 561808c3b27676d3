"""Resources declared once: a table, a document shape, filters, includes and hooks.

Generic machinery (crud, query, shape) serves every declared resource; a resource module only
states what is particular to it.
"""

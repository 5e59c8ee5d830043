"""The domain: enums, rules and tables of the two cooperation models.

`enums`, `errors`, `rules`, `period` and `personal_code` are pure Python and cheap to import;
`tables` pulls in SQLModel and is imported only by the services that need it.
"""

"""The storage core: where the database is, migrations, transactions, the audit trail, and the
field types and closed vocabularies every layer above shares. It imports nothing of ours above it."""

"""Streamlit glue shared by the pages: the database connection, the language, formatting."""

"""The site as bench/http.py serves it: the production settings plus one trivial view."""

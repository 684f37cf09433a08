"""Publishing: everything made *from* a valid package for its readers. The downloads (zip with
a README for researchers, Parquet, SQLite with Datasette metadata, JSON, Stata), the landing page
and annotated article, the generated docs (codebook, timeline, agreement page, CITATION.cff,
README tables, views and load snippets). Checking the package is `validate/`'s job; this
package only reads what the validator has accepted."""

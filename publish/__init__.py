"""Publishing: everything made *from* a valid package for its readers. The downloads (zip,
Parquet, SQLite, JSON, Stata), the landing page and annotated article, the generated docs
(codebook, timeline, agreement page, CITATION.cff, README tables). Checking the package is
`validate/`'s job; this package only reads what the validator has accepted."""

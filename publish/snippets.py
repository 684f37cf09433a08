"""Load snippets for pandas, polars, DuckDB and R that read the CSVs with the descriptor's types:
text fields as text (codes such as `016` keep their zeros, `NA` stays text), integers as 64-bit
integers, dates as dates, and only an empty cell as missing. Each snippet reads the field types
from datapackage.json when it runs; the generator writes the type table of each snippet from the
types the descriptor uses, so a type the descriptor does not use is not in the snippet (and one it
uses that a snippet cannot type is read as text, never altered). The pandas, polars and DuckDB
snippets are run by tests/test_load_snippets.py; the R one is generated alike but untested."""

from __future__ import annotations

from validate.descriptor import Descriptor

# Table Schema type -> the reader's type; every other type is read as text.
PANDAS = {"integer": '"Int64"', "year": '"Int64"', "number": '"Float64"'}
POLARS = {"integer": "pl.Int64", "year": "pl.Int64", "number": "pl.Float64", "date": "pl.Date"}
DUCKDB = {"integer": '"BIGINT"', "year": '"BIGINT"', "number": '"DOUBLE"', "date": '"DATE"'}
R = {"integer": "col_integer()", "year": "col_integer()", "number": "col_double()", "date": 'col_date("%Y-%m-%d")'}


def _used(desc: Descriptor) -> list[str]:
    return sorted({f.get("type", "string") for res in desc.resources for f in res["schema"]["fields"]})


def _table(desc: Descriptor, mapping: dict[str, str], sep: str = ": ", wrap: str = "{{{}}}") -> str:
    pairs = [f'"{t}"{sep}{mapping[t]}' for t in _used(desc) if t in mapping]
    return wrap.format(", ".join(pairs))


PANDAS_CODE = '''import json
import pandas as pd

package = json.load(open("datapackage.json", encoding="utf-8"))
TYPES = {types}  # any other field is text ("string")


def read_table(resource):
    fields = resource["schema"]["fields"]
    dates = [f["name"] for f in fields if f.get("type") == "date"]
    dtype = {{f["name"]: TYPES.get(f.get("type", "string"), "string") for f in fields if f["name"] not in dates}}
    return pd.read_csv(resource["path"], dtype=dtype, keep_default_na=False, na_values=[""],
                       parse_dates=dates, date_format="%Y-%m-%d")


tables = {{r["name"]: read_table(r) for r in package["resources"]}}
'''

POLARS_CODE = '''import json
import polars as pl

package = json.load(open("datapackage.json", encoding="utf-8"))
TYPES = {types}  # any other field is text (pl.Utf8)


def read_table(resource):
    schema = {{f["name"]: TYPES.get(f.get("type", "string"), pl.Utf8) for f in resource["schema"]["fields"]}}
    return pl.read_csv(resource["path"], schema=schema, null_values=[""])


tables = {{r["name"]: read_table(r) for r in package["resources"]}}
'''

DUCKDB_CODE = '''import json
import duckdb

package = json.load(open("datapackage.json", encoding="utf-8"))
TYPES = {types}  # any other field is text (VARCHAR)

con = duckdb.connect()  # or duckdb.connect("package.duckdb") to keep the tables
for resource in package["resources"]:
    columns = {{f["name"]: TYPES.get(f.get("type", "string"), "VARCHAR") for f in resource["schema"]["fields"]}}
    con.execute(f"""CREATE TABLE "{{resource['name']}}" AS FROM read_csv($path, columns = $columns, header = true,
                    delim = ',', quote = '"', escape = '"', nullstr = '', dateformat = '%Y-%m-%d')""",
                {{"path": resource["path"], "columns": columns}})
'''

R_CODE = '''library(jsonlite)
library(readr)

package <- fromJSON("datapackage.json", simplifyVector = FALSE)
types <- list({types})  # any other field is text (col_character())

read_table <- function(resource) {{
  spec <- lapply(resource$schema$fields, function(f) {{
    t <- if (is.null(f$type)) "string" else f$type
    if (is.null(types[[t]])) col_character() else types[[t]]
  }})
  names(spec) <- vapply(resource$schema$fields, function(f) f$name, "")
  read_csv(resource$path, col_types = do.call(cols, spec), na = "", trim_ws = FALSE,
           locale = locale(encoding = "UTF-8"))
}}

tables <- lapply(package$resources, read_table)
names(tables) <- vapply(package$resources, function(r) r$name, "")
'''


def pandas_code(desc: Descriptor) -> str:
    return PANDAS_CODE.format(types=_table(desc, PANDAS))


def polars_code(desc: Descriptor) -> str:
    return POLARS_CODE.format(types=_table(desc, POLARS))


def duckdb_code(desc: Descriptor) -> str:
    return DUCKDB_CODE.format(types=_table(desc, DUCKDB))


def r_code(desc: Descriptor) -> str:
    return R_CODE.format(types=_table(desc, R, sep=" = ", wrap="{}"))


def date_fields(desc: Descriptor) -> list[str]:
    return list(dict.fromkeys(f["name"] for res in desc.resources for f in res["schema"]["fields"] if f.get("type") == "date"))


def section(desc: Descriptor, level: str = "###") -> list[str]:
    """The Markdown: what the snippets promise, then one snippet per reader."""
    dates = ", ".join(f"`{n}`" for n in date_fields(desc)) or "none in this package"
    out = ["Each snippet reads every table of the package with the field types of `datapackage.json` (run it in the "
           "package's folder): text fields as text, so codes such as `016` keep their leading zeros and a value such "
           f"as `NA` stays text; integers as integers (64-bit in pandas, polars and DuckDB); date fields ({dates}) as "
           "dates; only an empty cell as missing. Do not let a reader guess the types, and do not open the CSVs in a "
           "spreadsheet and save them. "
           "The pandas, polars and DuckDB snippets are run against the data by the project's tests; the R snippet "
           "(readr, jsonlite) is generated the same way but untested, as R is not installed where the tests run.", ""]
    for title, lang, code in [("pandas", "python", pandas_code(desc)), ("polars", "python", polars_code(desc)),
                              ("DuckDB (Python)", "python", duckdb_code(desc)), ("R (readr)", "r", r_code(desc))]:
        out += [f"{level} {title}", "", f"```{lang}", code.rstrip("\n"), "```", ""]
    return out

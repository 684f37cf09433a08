"""The catalogue of problem codes: one stable kebab-case code per rule.

Each entry is (what went wrong, what a contributor should do). The README's
error-code table and the table-driven tests are both checked against this dict,
so a code cannot exist without documentation and a test.
"""

CODES: dict[str, tuple[str, str]] = {
    # The descriptor
    "invalid-json": (
        "datapackage.json is not valid JSON",
        "fix the JSON syntax at the position shown",
    ),
    "descriptor-error": (
        "datapackage.json does not describe a usable data package",
        "make the descriptor follow the Table Schema shape the message names",
    ),
    "unsafe-path": (
        "a path leaves the package (absolute, '..', URL or symbolic link)",
        "use a relative path to a regular file inside the package",
    ),
    "missing-file": (
        "a file named by the package does not exist",
        "add the file, or correct the path that names it",
    ),
    "file-too-large": (
        "a file is larger than the size limit and was not read",
        "split the table, or raise the limit with --max-bytes if the size is intended",
    ),
    "invalid-version": (
        "the package version is not semantic versioning (MAJOR.MINOR.PATCH)",
        "set 'version' to a version such as 1.2.0",
    ),
    "bytes-mismatch": (
        "a file's size differs from the 'bytes' its resource declares",
        "restore the file the descriptor describes, or correct 'bytes' to the file's size (wc -c)",
    ),
    "hash-mismatch": (
        "a file's hash differs from the 'hash' its resource declares",
        "restore the file the descriptor describes, or correct 'hash' (md5sum, or sha256sum for 'sha256:...')",
    ),
    # Bytes and CSV structure
    "compression-error": (
        "a compressed table cannot be decompressed (damaged or truncated gzip)",
        "compress the CSV again with gzip, or store it uncompressed and drop 'compression'",
    ),
    "encoding-error": (
        "the file is not valid UTF-8",
        "save the file as UTF-8 (not UTF-16, Latin-1 or Windows-1252)",
    ),
    "spreadsheet-encoding": (
        "the file is not UTF-8 but reads as Windows-1252 or Latin-1: a spreadsheet likely re-encoded it on save",
        "run 'make fmt', which re-encodes it as UTF-8 when every byte reads as Windows-1252 and the result is valid; or save as UTF-8",
    ),
    "bom": (
        "the file starts with a byte-order mark",
        "save as UTF-8 without BOM, or run 'make fmt'",
    ),
    "line-ending": (
        "the file uses CR or CRLF line endings",
        "save with LF line endings, or run 'make fmt'",
    ),
    "nul-byte": (
        "the file contains a NUL byte",
        "remove the NUL byte; the file may be corrupt or binary",
    ),
    "missing-final-newline": (
        "the file does not end with a newline",
        "end the last row with a newline, or run 'make fmt'",
    ),
    "not-canonical": (
        "the table is not in canonical form (row order, quoting or layout)",
        "run 'make fmt', which reorders and re-quotes without changing any value",
    ),
    "empty-file": (
        "the file is empty: not even a header",
        "restore the header row (see datapackage.json for the fields)",
    ),
    "csv-syntax": (
        "the CSV cannot be parsed (for example an unclosed quote)",
        "close the quote or double quotes inside quoted cells (\"\")",
    ),
    "blank-row": (
        "the table contains an empty line",
        "delete the empty line",
    ),
    "header-mismatch": (
        "the header does not fit the fields in datapackage.json as the schema's fieldsMatch says (exact by default)",
        "name the columns the message asks for: by default exactly the schema's fields, in order",
    ),
    "extra-cell": (
        "a row has more cells than the header",
        "remove the extra cells, or quote a value that contains a comma",
    ),
    "missing-cell": (
        "a row has fewer cells than the header",
        "add the missing cells (empty cells still need their commas)",
    ),
    # Field values (Table Schema)
    "type-error": (
        "a value does not have the field's type",
        "write the value in the field's type and format (integers as digits, dates as YYYY-MM-DD or the field's format pattern)",
    ),
    "missing-value": (
        "a required cell is empty",
        "fill in the cell; see the field's description in the codebook",
    ),
    "duplicate-value": (
        "a value that must be unique occurs more than once",
        "give the row its own value; ids are never shared or reused",
    ),
    "pattern-mismatch": (
        "a value does not match the field's pattern",
        "write the value in the form the field's pattern and example show",
    ),
    "not-in-vocabulary": (
        "a value is not one of the field's allowed values",
        "use one of the allowed values, or propose a new code in its vocabulary",
    ),
    "out-of-range": (
        "a value is outside the field's minimum, maximum or length limits",
        "correct the value to lie within the field's limits",
    ),
    "lost-leading-zeros": (
        "a digits-only value fits its field's pattern or referenced codes once its leading zeros are restored: a spreadsheet dropped them",
        "run 'make fmt', which restores the zeros where exactly one value fits; edit in 'make workbook' to keep them",
    ),
    "locale-date": (
        "a date is in a spreadsheet's locale format (10/1/2024) instead of ISO 8601 or EDTF",
        "run 'make fmt', which rewrites it where only one date fits, or write it as YYYY-MM-DD (EDTF at the source's precision)",
    ),
    "mojibake": (
        "text reads like UTF-8 decoded as Windows-1252 (“ shown as â€œ): a spreadsheet imported the CSV with the wrong character set and saved it",
        "run 'make fmt', which restores the text; import CSVs into a spreadsheet as Unicode (UTF-8), or edit in 'make workbook'",
    ),
    # Text hygiene
    "whitespace": (
        "a value has leading or trailing whitespace",
        "remove the spaces around the value",
    ),
    "formula-injection": (
        "a text value starts with =, +, -, @, tab or carriage return, which spreadsheets run as a formula",
        "reword the value so it does not start with that character",
    ),
    "invisible-character": (
        "a value contains an invisible, bidirectional or control character",
        "delete the character; it can hide or reorder text for readers",
    ),
    # Keys
    "duplicate-primary-key": (
        "two rows have the same primary key",
        "give each row its own key, or merge the duplicated rows",
    ),
    "duplicate-unique-key": (
        "two rows have the same values in the fields of one of the schema's uniqueKeys (rows with a missing part are not compared)",
        "give the row its own combination of values, or merge the duplicated rows",
    ),
    "confusable-code": (
        "a vocabulary code looks like another code of the same vocabulary (it differs only by case, a look-alike letter from another script, or a fullwidth or compatibility form)",
        "use the existing code, spelled exactly as it is; codes are plain ASCII",
    ),
    "reused-id": (
        "a row uses an id that an earlier release published and a later change removed",
        "give the row the next unused id; a retired id keeps meaning the fact it was released for",
    ),
    "attribution-mismatch": (
        "who asserts a fact disagrees with its attribution: an asserter on narration, or none on a reported claim",
        "name the actor the source reports (asserted_by) exactly when attribution is reported; leave it empty for narration",
    ),
    "unknown-place-code": (
        "a place code is not an ISO 3166-1 alpha-3 country code or an ISO 3166-2 subdivision code",
        "use the ISO code of the place (IND, CAN, CA-BC), or the country's code when the source names no subdivision",
    ),
    "dangling-foreign-key": (
        "a reference points to a row that does not exist",
        "use an id that exists in the referenced table, or add that row first",
    ),
    "parent-cycle": (
        "following parent references from this row never reaches a top-level row",
        "break the cycle: one actor in the chain must have an empty parent",
    ),
    # Dates
    "invalid-edtf": (
        "a date is not valid EDTF (Library of Congress Extended Date/Time Format)",
        "write the date as EDTF: 2023, 2024-10, 2024-10-14, 2026-XX-XX or 2025-04/2026",
    ),
    "date-bounds-mismatch": (
        "date_start or date_end is not the bound of the EDTF date",
        "set date_start and date_end to the first and last day the EDTF date can denote (wider for ? ~ %; empty for an open or unknown end)",
    ),
    "date-order": (
        "date_start is after date_end",
        "swap or correct the dates",
    ),
    "basis-mismatch": (
        "a value and its basis disagree: empty values need basis not-stated, and only they",
        "set the basis to not-stated for an empty value, or give the value",
    ),
    "mode-type-mismatch": (
        "the event mode does not belong to the event type",
        "pick a mode listed for this type in event_modes.csv, or leave it empty",
    ),
    "crosswalk-mismatch": (
        "the event's PLOVER type and mode are not what the CAMEO-PLOVER crosswalk gives for its CAMEO code",
        "use the crosswalk's type and mode (cameo_plover.csv), a CAMEO code whose mapping fits, or add a reviewed row with its reason to crosswalk_deviations.csv",
    ),
    # Identifiers
    "unknown-country": (
        "a country code is not an ISO 3166-1 alpha-3 code",
        "use the ISO 3166-1 alpha-3 code (IND, CAN), or leave it empty",
    ),
    "unknown-language": (
        "a language code is not an ISO 639-1 code",
        "use the two-letter ISO 639-1 code (en, fr, hi)",
    ),
    # Evidence
    "evidence-mismatch": (
        "the quote is not the text at [char_start, char_end) of the source",
        "copy the quote verbatim and set the offsets so that text[char_start:char_end] == quote",
    ),
    "evidence-out-of-range": (
        "the offsets are not a span inside the source text",
        "set 0 <= char_start < char_end <= length of the text (in Unicode code points)",
    ),
    "source-hash-mismatch": (
        "the archived text's SHA-256 differs from text_sha256",
        "restore the archived text byte for byte; a new text is a new source row",
    ),
    "text-path-mismatch": (
        "text_path is not data/sources/<source_id>.txt",
        "name the archived text after its source_id",
    ),
    "not-verbatim": (
        "a value that must be copied from the source does not occur in its text",
        "copy the words exactly as the source writes them (curly quotes included), or leave the cell empty",
    ),
    "exclusion-too-wide": (
        "a coverage exclusion runs past the end of the sentence it starts in",
        "exclude one sentence (or a clause inside it) per row, so that a review covers each sentence it excuses",
    ),
    "excluded-text-cited": (
        "a coverage exclusion overlaps text that a fact row cites as evidence",
        "delete the exclusion: cited text is covered already, and an exclusion says the text carries no fact",
    ),
    "uncovered-sentence": (
        "a sentence of the source is cited by no evidence span and not excluded",
        "add the fact it states with its quote, or add a reviewed row to coverage_exclusions.csv",
    ),
    "uncovered-clause": (
        "a clause of a cited sentence is cited by no row: a claim of the source that the data does not hold",
        "add the fact the clause states (with its quote), widen a quote that should include it, or exclude it with a reason in coverage_exclusions.csv",
    ),
}

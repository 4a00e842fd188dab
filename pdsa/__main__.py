"""``python -m pdsa``. ``analyze`` is dispatched before anything else is imported: it needs
only the statistics engine, not the storage layer (DuckDB, psycopg, pandas), whose import
would cost about a second of every analysis script's run."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "analyze":
    from pdsa.spc.cli import main as analyze_main

    sys.exit(analyze_main(sys.argv[1:]))

from pdsa.cli import main  # noqa: E402

sys.exit(main())

import sys

from pdsa.cli import main

sys.exit(main())

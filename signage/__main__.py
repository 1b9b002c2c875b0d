import sys

from signage.commands.cli import main

sys.exit(main())

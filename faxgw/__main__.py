from faxgw.cli import main

raise SystemExit(main())

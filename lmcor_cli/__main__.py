from lmcor_cli.cli import main

main()

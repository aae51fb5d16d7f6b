"""One module per subcommand; ``cli.py`` only declares their flags."""

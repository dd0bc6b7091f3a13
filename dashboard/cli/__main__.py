from dashboard.cli.commands import main

main()

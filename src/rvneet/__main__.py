from rvneet.cli import main

main()

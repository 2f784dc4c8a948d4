from bookwithme.cli import main

main()

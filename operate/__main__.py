from operate.cli import main

main()

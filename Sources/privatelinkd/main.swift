import Server
PrivatelinkdCommand.main()

from assembler.start import main

main()

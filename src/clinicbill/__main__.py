from clinicbill.cli import main

main()

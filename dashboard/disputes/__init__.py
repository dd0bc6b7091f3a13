"""The dispute pack: what a user sends the carrier, the payment gateway and the police about charges they did
not make (docs/disputes.md). model.py is the plain data; pdf.py and csv_file.py turn it into files."""

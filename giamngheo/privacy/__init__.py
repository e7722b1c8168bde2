"""Personal-data rights (Law 91/2025): the register of data-subject requests and the record of who read what."""

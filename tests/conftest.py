"""Suite-wide fixtures. Keep this short: fakes of the phone line live in hw-sim."""

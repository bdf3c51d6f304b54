"""Who alerts reach: operators (their SMSCs) and subscribers."""

"""Privacy Act duties: accounting of disclosures, amendment requests and record retention."""

"""Files people and scripts exchange with rvneet: CSV, XLSX and JSON, read and written safely."""

"""Everything into PDF: LibreOffice (find, run, kill), combining renders, exhibits."""

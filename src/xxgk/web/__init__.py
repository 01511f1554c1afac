"""`xxgk serve`: the county office's collection round in a browser, over the store."""

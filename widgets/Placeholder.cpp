namespace switchboard::widgets { int placeholderSymbol() { return 0; } }

"""The language layer every side shares: tokens, stems, stopwords, sentences, term rarity."""

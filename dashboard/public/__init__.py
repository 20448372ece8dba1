"""What a visitor may see: suppression of small counts, public rows and downloads, embeds."""

"""Presentation without streamlit: Plotly figures, tables and texts for people, downloads."""

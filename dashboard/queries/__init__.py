"""What each page reads and computes, without streamlit: composed from storage, analytics, present and public."""

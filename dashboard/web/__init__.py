"""The only place that imports streamlit: routes, session, cached reads, blocks, URL state and the views."""

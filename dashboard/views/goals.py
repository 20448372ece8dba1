"""Placeholder: being built."""

import streamlit as st

st.title("Goals")
st.info("This page is being built.", icon=":material/construction:")

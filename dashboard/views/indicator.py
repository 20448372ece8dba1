"""Placeholder: being built."""

import streamlit as st

st.title("Indicator")
st.info("This page is being built.", icon=":material/construction:")

"""cuwavelet"""

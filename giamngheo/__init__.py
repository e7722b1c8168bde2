"""giamngheo — sustainable multidimensional poverty reduction for Vietnamese provinces and communes."""

__version__ = "0.1.0"

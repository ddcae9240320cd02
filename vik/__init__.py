"""VIK: veiligheidsinformatieknooppunt for Dutch municipalities."""

__version__ = "0.1.0"

import logging

# A library's loggers stay silent until the application configures logging (the command
# line, Prefect, the web server): no bare "last resort" lines on the console.
logging.getLogger("vik").addHandler(logging.NullHandler())

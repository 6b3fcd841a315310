"""Pure rules: plain data in, plain data out, no Django import (scores, stay clocks, ...)."""

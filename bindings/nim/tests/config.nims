# The tests import the package from the directory above.
switch("path", thisDir() & "/..")
switch("threads", "on")

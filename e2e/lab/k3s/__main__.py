# zipapp entry of the K3s stand-in (see ../src/mirror.sh, which builds it)
from k3slab.main import main
main()

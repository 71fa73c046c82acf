cmd_mirror() { :; }
mirror_start() { :; }
mirror_stop() { :; }
mirror_url() { echo "http://$GW:$MIRROR_PORT"; }
mirror_versions() { echo; }

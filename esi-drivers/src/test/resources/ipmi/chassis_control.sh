#!/bin/sh
# ipmi_sim's chassis_control program for ESI's tests: keeps "power" and "boot"
# in files under the directory given as first argument, so a test can see what
# the BMC was told.  Called as: chassis_control.sh DIR get PARM... | set PARM VAL...
dir=$1; shift
op=$1; shift
case $op in
get)
    for parm in "$@"; do
        case $parm in
        power) echo "power:$(cat "$dir/power" 2>/dev/null || echo 0)" ;;
        boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo default)" ;;
        *) echo "Invalid parameter: $parm"; exit 1 ;;
        esac
    done ;;
set)
    while [ $# -ge 2 ]; do
        case $1 in
        power) echo "$2" > "$dir/power" ;;
        reset) ;;
        shutdown) [ "$2" = 1 ] && echo 0 > "$dir/power" ;;
        boot) echo "$2" > "$dir/boot" ;;
        identify) shift ;;
        *) echo "Invalid parameter: $1"; exit 1 ;;
        esac
        shift 2
    done ;;
*) echo "Unknown operation: $op"; exit 1 ;;
esac

"""Word lists the command rules share: known programs, tools with subcommands, prose words."""

from __future__ import annotations

# Common command-line programs recognised without backticks.  Words that are also
# ordinary English words need technical-looking arguments (see `scan_command`).
BUILTIN_COMMANDS = frozenset(
    """
    docker docker-compose podman git kubectl helm minikube kind ls cd cp mv rm mkdir rmdir cat less tail
    chmod chown chgrp tar zip unzip gzip gunzip npm npx yarn pnpm pip pip3 python python3 node deno bun apt
    apt-get yum dnf brew pacman snap systemctl journalctl ssh scp rsync sftp curl wget grep egrep rg find
    sed awk sort uniq wc ps pkill killall htop df du mount umount sudo cmake gcc g++ clang cargo rustc
    rustup javac mvn gradle conda virtualenv flask django-admin mysql psql redis-cli mongo mongosh nginx
    vim nano touch ln whereis ping netstat ss ifconfig crontab useradd usermod passwd chsh terraform aws
    gcloud az ansible vagrant dotnet ruby gem bundle rails php composer nvm svn hg tmux openssl ffmpeg
    xargs jq pytest ruff mypy poetry uv pipx go make echo export source kill top free ip man which env
    history alias head diff tree file service nc telnet dig nslookup traceroute lsof chroot
    bzip2 bunzip2 xz unxz zcat 7z nohup watch time date uname whoami hostname hostnamectl uptime dmesg
    pwd lsblk fdisk mkfs blkid dd pgrep nice renice strace tcpdump nmap mtr whois host ufw iptables
    firewall-cmd nmcli ssh-keygen ssh-copy-id ssh-add gpg base64 md5sum sha1sum sha256sum cut tr tee
    paste join split column stat locate updatedb realpath basename dirname readlink mktemp sysctl
    modprobe lsmod lscpu lspci lsusb vmstat iostat free su visudo groupadd userdel chattr timedatectl
    localectl loginctl dpkg rpm zypper apk flatpak gh pyenv pipenv mamba tsc eslint prettier
    """.split()
)
# Also English words: a bare mention needs an argument that looks technical.
AMBIGUOUS_COMMANDS = frozenset(
    "go make echo export source kill top free ip man which env history alias head diff tree file service "
    "find sort less touch mount ping screen patch cat watch time date host cut join split column stat "
    "locate nice su".split()
)
# CLIs driven by subcommands: the bare word alone (``git shows…``) is the tool, not a command.
SUBCOMMAND_TOOLS = frozenset(
    "docker docker-compose podman git kubectl helm minikube kind npm npx yarn pnpm pip pip3 python python3 "
    "node deno bun apt apt-get yum dnf brew pacman snap systemctl cargo rustup go mvn gradle conda flask "
    "django-admin terraform aws gcloud az ansible vagrant dotnet ruby gem bundle rails php composer nvm "
    "svn hg tmux openssl poetry uv pipx gh pyenv pipenv mamba dpkg rpm zypper apk flatpak sudo make".split()
)
SHELL_KEYWORDS = frozenset(
    "if then else elif fi for do done while until case esac function in select return local".split()
)
# English words that end a bare command: prose has resumed.
PROSE_WORDS = frozenset(
    "the a an to of for and or in on at with is are was were this that these those it its you your "
    "which who from by as be will can should would could into onto than then so but not all also "
    "when where what why how".split()
)

# Words that start a clause about something already named: never a term or a description.
PRONOUNS = frozenset(
    "这 那 它 他 她 这个 那个 这些 那些 这里 那里 此 其 我 你 我们 你们 他们 它们 这就 那就 这也 "
    "this that it there here they he she we you i which what these those one".split()
)

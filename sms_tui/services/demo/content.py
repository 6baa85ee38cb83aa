"""The words of the demo desk: services, CIs, people and believable record texts.

Pure data for :mod:`sms_tui.services.demo.service`. Some titles contain square
brackets on purpose (``Printer says [bold]PAPER JAM[/]``): user text is data,
and the demo shows that the UI prints it as typed.
"""

from __future__ import annotations

# (name, criticality, description, [(ci name, ci type, status, description)])
SERVICES: list[tuple[str, str, str, list[tuple[str, str, str, str]]]] = [
    ("Email", "high", "Mailboxes, calendars and shared mailboxes for all staff", [
        ("srv-mail-01", "server", "active", "Exchange mailbox server"),
        ("srv-mail-02", "server", "planned", "Second mailbox server (DAG member, on order)"),
        ("mx-gateway", "network", "active", "Inbound mail filter and relay"),
    ]),
    ("VPN", "high", "Remote access for staff working from home or travelling", [
        ("vpn-gw-01", "network", "active", "VPN concentrator, firmware 9.16"),
        ("radius-01", "server", "active", "RADIUS server for VPN logins"),
    ]),
    ("Payroll", "high", "Monthly payroll run, payslips and tax filings", [
        ("app-payroll", "application", "active", "Payroll application"),
        ("db-payroll", "database", "active", "Payroll database (SQL Server)"),
    ]),
    ("HR portal", "medium", "Leave requests, personal data and onboarding forms", [
        ("app-hrportal", "application", "active", "HR self-service portal"),
        ("db-hr", "database", "active", "HR database"),
    ]),
    ("File shares", "medium", "Department drives (S:, P:) and project folders", [
        ("nas-01", "storage", "active", "Main NAS, 40 TB"),
        ("srv-file-01", "server", "active", "File server fronting nas-01"),
    ]),
    ("Wi-Fi", "medium", "Staff and guest wireless in both floors", [
        ("wlc-01", "network", "active", "Wireless LAN controller"),
        ("ap-floor1", "network", "active", "Access points, floor 1"),
        ("ap-floor2", "network", "active", "Access points, floor 2 and meeting rooms"),
    ]),
    ("ERP", "high", "Orders, invoicing and stock", [
        ("app-erp", "application", "active", "ERP application server"),
        ("db-erp", "database", "active", "ERP database"),
    ]),
    ("Website", "medium", "Public website and contact forms", [
        ("web-01", "server", "active", "Web server"),
        ("cdn-edge", "cloud_service", "active", "CDN in front of web-01"),
    ]),
    ("Telephony", "medium", "Desk phones, soft phones and voicemail", [
        ("pbx-cloud", "cloud_service", "active", "Hosted PBX"),
        ("pbx-legacy", "phone", "retired", "Old on-site PBX, replaced by pbx-cloud"),
        ("sip-trunk", "network", "active", "SIP trunk to the carrier"),
    ]),
    ("Printing", "low", "Office printers and scan-to-email", [
        ("prt-floor1", "printer", "active", "Multifunction printer, floor 1"),
        ("prt-floor2", "printer", "active", "Multifunction printer, floor 2"),
        ("srv-print-01", "server", "active", "Print server"),
    ]),
    ("Laptops & desktops", "medium", "Staff devices, docking stations and peripherals", [
        ("ws-fleet", "workstation", "active", "Managed laptop fleet (120 devices)"),
    ]),
    ("Identity & SSO", "high", "Accounts, passwords, MFA and single sign-on", [
        ("dc-01", "server", "active", "Domain controller"),
        ("dc-02", "server", "active", "Domain controller"),
        ("app-sso", "application", "active", "Single sign-on and MFA"),
    ]),
    ("Backup", "medium", "Nightly backups and restores", [
        ("srv-backup-01", "server", "active", "Backup server"),
    ]),
]

# Shared infrastructure, not tied to one service.
SHARED_CIS: list[tuple[str, str, str, str]] = [
    ("hv-cluster-01", "server", "active", "Virtualisation cluster, 3 hosts"),
    ("core-switch-01", "network", "active", "Core switch"),
    ("fw-edge-01", "network", "active", "Edge firewall"),
]

# (source, relation, target)
RELATIONSHIPS: list[tuple[str, str, str]] = [
    ("srv-mail-01", "runs_on", "hv-cluster-01"),
    ("mx-gateway", "connects_to", "fw-edge-01"),
    ("vpn-gw-01", "depends_on", "radius-01"),
    ("vpn-gw-01", "connects_to", "fw-edge-01"),
    ("radius-01", "depends_on", "dc-01"),
    ("app-payroll", "depends_on", "db-payroll"),
    ("app-payroll", "runs_on", "hv-cluster-01"),
    ("db-payroll", "runs_on", "hv-cluster-01"),
    ("app-hrportal", "depends_on", "db-hr"),
    ("app-hrportal", "depends_on", "app-sso"),
    ("srv-file-01", "depends_on", "nas-01"),
    ("ap-floor1", "connects_to", "wlc-01"),
    ("ap-floor2", "connects_to", "wlc-01"),
    ("wlc-01", "connects_to", "core-switch-01"),
    ("app-erp", "depends_on", "db-erp"),
    ("app-erp", "runs_on", "hv-cluster-01"),
    ("web-01", "connects_to", "fw-edge-01"),
    ("cdn-edge", "depends_on", "web-01"),
    ("pbx-cloud", "depends_on", "sip-trunk"),
    ("srv-print-01", "runs_on", "hv-cluster-01"),
    ("prt-floor1", "depends_on", "srv-print-01"),
    ("prt-floor2", "depends_on", "srv-print-01"),
    ("app-sso", "depends_on", "dc-01"),
    ("app-sso", "depends_on", "dc-02"),
    ("srv-backup-01", "depends_on", "nas-01"),
    ("hv-cluster-01", "connects_to", "core-switch-01"),
    ("fw-edge-01", "connects_to", "core-switch-01"),
]

# Analysts and the group each usually works in.
ANALYSTS: list[tuple[str, str]] = [
    ("amartin", "Service Desk"),
    ("bkowalski", "Service Desk"),
    ("cnguyen", "Network"),
    ("dokafor", "Infrastructure"),
    ("esilva", "Applications"),
    ("fhansen", "Identity"),
]
SERVICE_GROUP = {
    "VPN": "Network", "Wi-Fi": "Network", "Telephony": "Network", "Website": "Infrastructure",
    "File shares": "Infrastructure", "Backup": "Infrastructure", "Email": "Infrastructure",
    "Payroll": "Applications", "ERP": "Applications", "HR portal": "Applications",
    "Identity & SSO": "Identity", "Printing": "Service Desk", "Laptops & desktops": "Service Desk",
}
MANAGERS = ["jrossi (Head of IT)", "Duty manager"]
CALLERS = ["Maria (Finance)", "Tom (Sales)", "Priya (HR)", "Lars (Warehouse)", "Sofia (CEO office)",
           "Ahmed (Marketing)", "Grace (Legal)", "Jonas (Operations)", "Wei (Accounts)"]

# Incidents: service -> [(title, description, category, ci)]
INCIDENTS: dict[str, list[tuple[str, str, str, str]]] = {
    "Email": [
        ("Outlook keeps asking for password", "Prompt comes back every few minutes since this morning.", "software", "srv-mail-01"),
        ("Emails to external domains bounce", "Bounce says 550 SPF check failed. Internal mail is fine.", "software", "mx-gateway"),
        ("Shared mailbox 'finance' not updating", "New mail in the shared mailbox shows only after restarting Outlook.", "software", "srv-mail-01"),
        ("Calendar invites arrive twice", "Every meeting invite from the CEO office arrives twice.", "software", "srv-mail-01"),
        ("Email down for all staff", "Nobody can send or receive since 08:40. Outlook says disconnected.", "outage", "srv-mail-01"),
    ],
    "VPN": [
        ("VPN disconnects every 10 minutes", "Home users lose the tunnel about every ten minutes and have to log in again.", "network", "vpn-gw-01"),
        ("Cannot connect to VPN from hotel Wi-Fi", "Client says 'gateway unreachable'; mobile hotspot works.", "network", "vpn-gw-01"),
        ("VPN login rejected with correct password", "Error 'authentication failed' although the password works on the portal.", "access", "radius-01"),
        ("VPN very slow when uploading files", "Uploads to S: over VPN run at 100 KB/s.", "network", "vpn-gw-01"),
    ],
    "Payroll": [
        ("Payroll export fails with timeout", "Export to the bank file stops after 30 s with 'timeout expired'.", "software", "app-payroll"),
        ("Payslips show wrong tax code", "Three employees in Warehouse got tax code 1257L instead of BR.", "data", "app-payroll"),
        ("Cannot log in to payroll app", "Login page spins forever after the password.", "access", "app-payroll"),
    ],
    "HR portal": [
        ("Holiday requests not visible to managers", "Managers see an empty approval list since Monday.", "software", "app-hrportal"),
        ("HR portal shows a blank page in Firefox", "Works in Edge; Firefox shows a white page.", "software", "app-hrportal"),
    ],
    "File shares": [
        ("S: drive missing after login", "Mapped drive S: does not appear; P: is fine.", "storage", "srv-file-01"),
        ("Access denied on Projects folder", "User moved team and lost access to \\\\srv-file-01\\projects\\2026.", "access", "srv-file-01"),
        ("File share very slow in the afternoon", "Opening Excel files from S: takes a minute after 14:00.", "storage", "nas-01"),
    ],
    "Wi-Fi": [
        ("Wi-Fi drops in meeting room 2", "Laptops disconnect every few minutes during video calls.", "network", "ap-floor2"),
        ("Guest Wi-Fi portal not loading", "Visitors get no login page on the guest network.", "network", "wlc-01"),
    ],
    "ERP": [
        ("ERP invoice run stuck at 63%", "The nightly invoice run has not finished; customers are waiting.", "software", "app-erp"),
        ("Stock levels not syncing to the web shop", "Web shop shows items in stock that the warehouse does not have.", "data", "app-erp"),
        ("ERP login error 'license exceeded'", "Users get 'maximum concurrent users reached' at 09:00.", "access", "app-erp"),
    ],
    "Website": [
        ("Website contact form returns error 500", "Form submissions fail since the last deployment.", "software", "web-01"),
        ("Certificate warning on the website", "Browsers warn that the certificate expires in 3 days.", "security", "web-01"),
    ],
    "Telephony": [
        ("Desk phone shows 'no service'", "Phone at reception shows no service after a power cut.", "hardware", "pbx-cloud"),
        ("Calls drop after 30 seconds", "External calls drop at exactly 30 s; internal calls are fine.", "network", "sip-trunk"),
        ("Voicemail to email not working", "Voicemails are recorded but no email arrives.", "software", "pbx-cloud"),
    ],
    "Printing": [
        ("Printer says [bold]PAPER JAM[/] but no paper is stuck", "Display on floor 2 insists on a jam in tray 3. Opened every door, nothing there.", "hardware", "prt-floor2"),
        ("Scanned PDFs are blank", "Scan-to-email sends a PDF with white pages.", "hardware", "prt-floor1"),
        ("Printer prints garbage characters", "Pages full of symbols like [/] and %%[ when printing from the ERP.", "software", "srv-print-01"),
    ],
    "Laptops & desktops": [
        ("Laptop won't boot after update", "Stuck on the logo after last night's update.", "hardware", "ws-fleet"),
        ("Screen flickers on docking station", "External monitor flickers every few seconds when docked.", "hardware", "ws-fleet"),
        ("[red]URGENT[/red] CEO laptop battery swollen", "Touchpad is lifting; the laptop must not be charged.", "hardware", "ws-fleet"),
    ],
    "Identity & SSO": [
        ("Account locked out repeatedly", "Account locks every morning, probably an old password on a phone.", "access", "dc-01"),
        ("MFA prompt never arrives", "Authenticator app gets no push; SMS fallback works.", "access", "app-sso"),
        ("SSO login loop on HR portal", "Browser bounces between portal and login page.", "access", "app-sso"),
    ],
    "Backup": [
        ("Nightly backup job failed", "Job 'nas-01 daily' ended with error: snapshot timeout.", "storage", "srv-backup-01"),
    ],
}

# Service requests: (title, description, request type from the default request catalogue
# -- "" for a request outside the catalogue --, service)
REQUESTS: list[tuple[str, str, str, str]] = [
    ("New starter: laptop and accounts for {caller}", "Starts on Monday; needs laptop, email, VPN and ERP read access.", "new-account", "Identity & SSO"),
    ("Access to shared mailbox 'finance' for {caller}", "Approved by the finance manager.", "share-access", "Email"),
    ("Install Visio on {caller}'s laptop", "Licence already bought.", "software-install", "Laptops & desktops"),
    ("Reset MFA for {caller} (new phone)", "Old phone was traded in.", "password-reset", "Identity & SSO"),
    ("Password expired for {caller}", "Locked out after the holiday.", "password-reset", "Identity & SSO"),
    ("VPN access for contractor", "Contractor for the ERP upgrade, 3 months.", "new-account", "VPN"),
    ("Restore deleted folder from backup", "P:\\Marketing\\2026 campaign deleted yesterday afternoon.", "", "Backup"),
    ("Order a headset for {caller}", "Wired USB headset, like the others in Sales.", "", "Laptops & desktops"),
    ("Add floor 2 printer to {caller}'s laptop", "", "software-install", "Printing"),
    ("Create project folder for the audit", "S:\\Projects\\Audit-2026 with access for Legal and Finance.", "share-access", "File shares"),
    ("Leaver: disable accounts for {caller}", "Last day is Friday; keep the mailbox for 30 days.", "", "Identity & SSO"),
    ("Question: how do I book a meeting room with video?", "", "information", "Email"),
    ("New distribution list for the warehouse team", "", "standard-change", "Email"),
    ("Guest Wi-Fi code for a visiting auditor", "Needed Tuesday to Thursday.", "information", "Wi-Fi"),
    ("Payroll report for Q1 for the board", "Export of gross pay per department.", "information", "Payroll"),
]
# Request types of the default catalogue that wait for an approval when raised.
APPROVAL_TYPES = frozenset({"new-account", "share-access"})
APPROVAL_RATIONALES = ["Approved by the line manager by email.", "Data owner agreed; read access only.",
                       "Within policy for this role."]
REJECTION_RATIONALES = ["Not within policy for this role.", "Data owner declined: use the project folder."]

# Problems: (title, description, service, ci, root cause, workaround)
PROBLEMS: list[tuple[str, str, str, str, str, str]] = [
    ("Recurring VPN disconnects for home users", "Many incidents about dropped tunnels since the firmware update.", "VPN", "vpn-gw-01",
     "Idle timeout on the concentrator set to 600 s by the 9.16 firmware default.", "Reconnect; set client keepalive to 30 s."),
    ("Payroll export times out at month end", "Every month end the bank export fails at least once.", "Payroll", "db-payroll",
     "Export query scans the whole history table; no index on period.", "Run the export outside office hours."),
    ("Wi-Fi drops in meeting rooms", "Video calls in meeting rooms lose Wi-Fi.", "Wi-Fi", "ap-floor2",
     "Access point in room 2 on a crowded channel; band steering off.", "Use the wired dock in the meeting room."),
    ("Accounts lock out every morning", "Several users locked out at 08:00 daily.", "Identity & SSO", "dc-01",
     "Old passwords cached on mobile mail clients.", "Remove and re-add the mail account on the phone."),
    ("Nightly backup of nas-01 fails", "Backup fails about twice a week.", "Backup", "srv-backup-01",
     "Snapshot timeout too short for the grown volume.", "Re-run the job manually in the morning."),
    ("ERP invoice run hangs", "Invoice run stops without error a few times a month.", "ERP", "app-erp",
     "Deadlock between the invoice run and the stock sync job.", "Pause stock sync, restart the run."),
    ("External mail bounces for marketing", "Mail sent through the marketing platform bounces.", "Email", "mx-gateway",
     "Marketing platform not listed in the SPF record.", "Send from Outlook instead of the platform."),
    ("Printer on floor 2 reports phantom paper jams", "Jam errors with no paper stuck.", "Printing", "prt-floor2",
     "Worn sensor in tray 3.", "Use tray 1 and 2 only."),
]

# Changes: (title, reason, implementation plan, backout plan, change type, service, ci). Normal
# changes are approved on both plans, emergency ones on their back-out plan at least.
CHANGES: list[tuple[str, str, str, str, str, str, str]] = [
    ("Upgrade VPN concentrator firmware to 9.18", "Fixes the idle-timeout default behind the VPN drops.", "Save the config, load 9.18 on the standby unit, fail over, then upgrade the primary.", "Re-flash 9.16 from the backup image (15 min).", "normal", "VPN", "vpn-gw-01"),
    ("Add index on payroll history period", "Month-end export times out.", "Create the index online outside payroll hours; check the export plan uses it.", "Drop the index.", "normal", "Payroll", "db-payroll"),
    ("Replace access point in meeting room 2", "Recurring Wi-Fi drops during video calls.", "Swap the unit, adopt it in the controller, test a video call.", "Re-install the old access point.", "standard", "Wi-Fi", "ap-floor2"),
    ("Renew website TLS certificate", "Certificate expires in 3 days.", "Install the new certificate on web-01 and reload the web server.", "Keep the old certificate until expiry.", "standard", "Website", "web-01"),
    ("Apply Exchange cumulative update", "Security fixes.", "Put the server in maintenance mode, run the update, reboot, check mail flow.", "Uninstall the update from the maintenance window.", "normal", "Email", "srv-mail-01"),
    ("Add marketing platform to SPF record", "External bounces for marketing mail.", "Add the platform's include to the SPF record; check it with an SPF lookup.", "Restore the previous DNS record.", "standard", "Email", "mx-gateway"),
    ("Migrate file shares to the new NAS", "nas-01 is at 85% capacity.", "Sync the shares to nas-02, freeze writes, final sync, repoint the DFS links.", "Point the shares back to nas-01.", "normal", "File shares", "nas-01"),
    ("Enable conditional access for SSO", "Audit finding: MFA not enforced off-site.", "Enable the policy in report-only mode for a week, then enforce it.", "Disable the policy.", "normal", "Identity & SSO", "app-sso"),
    ("Emergency patch of edge firewall", "Vendor advisory: actively exploited vulnerability.", "Apply the vendor hotfix on the standby unit, fail over, patch the primary.", "Roll back to the previous firmware.", "emergency", "VPN", "fw-edge-01"),
    ("Extend backup snapshot timeout", "Nightly backup failures.", "Set the snapshot timeout to 60 min in the backup policy.", "Set the timeout back to 30 min.", "standard", "Backup", "srv-backup-01"),
    ("Separate ERP stock sync from invoice run", "Invoice run deadlocks.", "Move the stock sync job to 02:00, after the invoice run ends.", "Restore the old job schedule.", "normal", "ERP", "app-erp"),
]

NOTES = {
    "complaint": ["Called the complainant to hear the details.",
                  "Read the history of the records concerned.", "Discussed with the team lead."],
    "incident": [
        "Called {caller}; reproduced the issue on their machine.",
        "Asked the user to restart and reconnect; no change.",
        "Checked the logs on {ci}: errors match the reported time.",
        "Remote session: cleared cached credentials.",
        "Waiting for the vendor (case #{case}).",
        "Affects about {n} users so far.",
        "User confirmed it works again.",
    ],
    "request": [
        "Approval received from the line manager.",
        "Ordered from the supplier, delivery in 2 days.",
        "Accounts created; sent the first-login letter.",
        "Called {caller} to confirm the details.",
    ],
    "problem": [
        "Linked {n} recent incidents with the same symptom.",
        "Trend: {n} incidents in the last 30 days.",
        "Vendor confirms a known issue in this version (case #{case}).",
        "Root cause analysis meeting held; actions agreed.",
    ],
    "known_error": [
        "Workaround published to the service desk.",
        "Workaround confirmed by two analysts.",
        "Waiting for the permanent fix (change).",
    ],
    "change": [
        "Risk assessed: low impact outside office hours.",
        "CAB approved for the next maintenance window.",
        "Tested on the test system; no issues.",
        "Users informed of the maintenance window by email.",
        "Back-out plan tested.",
    ],
}

RESOLUTIONS = {
    "incident": ["Cleared cached credentials; user can work.", "Restarted the service on {ci}.",
                 "Workaround from the known error applied.", "Replaced the faulty part.",
                 "Fixed by the related change."],
    "request": ["Done and confirmed with {caller}.", "Delivered and installed."],
    "problem": ["Root cause removed by the change.", "Fixed by configuration; no new incidents in 2 weeks."],
    "known_error": ["Permanent fix deployed."],
    "change": ["Implemented in the maintenance window; checks passed."],
    "complaint": ["Complainant told the outcome and accepted it.", "Closed after the follow-up call."],
}

# The contact register (8.3.2): (name, email, organisation, role). One name shows that
# user text is data; two people share a name (a requester is then given by email).
CONTACTS = [
    ("Maria Keller", "maria.keller@example.org", "Finance", "customer"),
    ("Wei Chen", "wei.chen@example.org", "Finance", "user"),
    ("Tom Berger", "tom.berger@example.org", "Sales", "customer"),
    ("Priya Nair", "priya.nair@example.org", "HR", "customer"),
    ("Lars Olsen", "lars.olsen@example.org", "Warehouse", "user"),
    ("Sofia Marino", "sofia.marino@example.org", "CEO office", "customer"),
    ("[b]Ahmed[/b] Haddad", "ahmed.haddad@example.org", "Marketing", "user"),
    ("Grace Owusu", "grace.owusu@example.org", "Legal", "customer"),
    ("Jonas Weber", "jonas.weber@example.org", "Operations", "user"),
    ("Jonas Weber", "j.weber@partner.example.com", "Partner Logistics", "interested-party"),
]
# Designated relationship managers; the Legal department has none yet (a gap to show).
RELATIONSHIP_MANAGERS = {"Finance": "jrossi", "Sales": "mdiaz", "HR": "jrossi",
                         "CEO office": "jrossi"}

# Complaints (8.3.2): (title, description, category, outcome)
COMPLAINTS = [
    ("Nobody called back about my laptop", "Promised a call the same day; waited three days.",
     "communication", "Apologised; call-backs now tracked in the queue's notes."),
    ("Rude answer on the phone", "The analyst hung up while I was explaining.",
     "staff conduct", "Talked with the analyst; courtesy refresher done; apology sent."),
    ("Payroll access took two weeks", "The request waited for approval nobody told me about.",
     "delay", "Approval step now notifies the requester; request type updated."),
    ("Same printer fault for a month", "Ticket closed three times without a fix.",
     "quality", "Problem record raised; printer replaced."),
]

ESCALATION_REASONS = [
    "Needs network skills; the desk cannot see the firewall logs.",
    "Application error needs the vendor's admin rights.",
    "Beyond first-line scope: server-side fault.",
]
MAJOR_REASONS = [
    "Whole service down for all staff; management to be informed.",
    "Payroll deadline at risk today.",
]

SATISFACTION = {
    5: ["Quick and friendly, thanks!", "Perfect.", ""],
    4: ["Good, took a day longer than hoped.", ""],
    3: ["OK in the end.", "Had to chase twice."],
    2: ["Slow; nobody told me it was waiting for approval."],
    1: ["Took two weeks for a headset."],
}
CHANGE_APPROVALS = ["Low risk, back-out tested; approved for the next window.",
                    "Benefit outweighs the risk; approved with the vendor on standby.",
                    "Security fix; approved on the expedited path."]
CHANGE_REJECTIONS = ["Clashes with the month-end close; raise again for next month.",
                     "Back-out plan not credible; rework and resubmit."]
CHANGE_INVESTIGATIONS = ["Vendor patch failed its post-install check; rolled back and opened a case.",
                         "Users reported errors after the change; backed out within the window."]
CHANGE_REVIEWS = {
    True: ["Worked as planned; no incidents in the week after.",
           "Fixed the problem it was raised for; documentation updated."],
    False: ["Root cause found in the vendor patch; retry planned with the fixed build.",
            "Back-out worked; test plan extended before the retry."],
}
MAJOR_UPDATES = [
    "Still investigating; the vendor is on the bridge.",
    "Cause narrowed down; a fix is being tested.",
    "Workaround in place for most users; full fix in progress.",
    "No change since the last update; next update in 30 minutes.",
]

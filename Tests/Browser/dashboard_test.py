"""The built-in dashboard in a real browser (Debian's chromium + chromium-driver, selenium).

Run by DashboardBrowserTests (swift test), which serves privatelinkd on loopback with moto behind
a fault proxy that holds new endpoints pending until this script prints "release-endpoints".
Environment: BASE_URL, ADMIN_TOKEN, READER_TOKEN, VPC_ID, SUBNET_IDS, SECURITY_GROUP_ID,
SCREENSHOTS (a folder). Every wait is bounded; the whole run is bounded by an alarm.
"""
import os
import re
import signal
import sys

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

signal.alarm(240)  # the whole run, whatever happens
BASE = os.environ["BASE_URL"]
SHOTS = os.environ["SCREENSHOTS"]
os.makedirs(SHOTS, exist_ok=True)


def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2000",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
                     # Nothing leaves loopback: any other name fails to resolve, any other host meets a dead proxy.
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


def create_setup(driver, **fields):
    """POSTs a setup in the test's VPC from the page (with the session's token); returns its id."""
    body = {"site": "us1", "region": "us-east-1", "vpc_id": os.environ["VPC_ID"],
            "subnet_ids": re.split(r"[,\s]+", os.environ["SUBNET_IDS"].strip()), "security_group_ids": [os.environ["SECURITY_GROUP_ID"]],
            **fields}
    return driver.execute_script("""
        return fetch('/v1/setups', {method: 'POST', headers: {'Content-Type': 'application/json',
            Authorization: 'Bearer ' + sessionStorage.getItem('privatelinkd.token')}, body: JSON.stringify(arguments[0])})
          .then(r => r.json()).then(j => j.id || JSON.stringify(j))""", body)


def step(name):
    print(f"step: {name}", flush=True)


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def wait_text(driver, css, text, seconds=30):
    """Waits until the element matching css contains text; fails with what it showed instead."""
    try:
        # The page re-renders as events arrive: an element can go stale between find and read.
        WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, css)))
    except TimeoutException:
        try:
            shown = [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]
        except StaleElementReferenceException:
            shown = "(re-rendered)"
        raise AssertionError(f"{css} never showed {text!r}; it showed {shown!r}") from None


def click(driver, css, seconds=10):
    """Clicks the element, finding it again if a re-render replaced it under the pointer."""
    def attempt(d):
        d.find_element(By.CSS_SELECTOR, css).click()
        return True
    WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(attempt)


def typed(driver, css, text):
    element = driver.find_element(By.CSS_SELECTOR, css)
    element.clear()
    element.send_keys(text)


def main():
    driver = browser()
    try:
        run(driver)
    except BaseException:
        shot(driver, "failure")
        for entry in driver.get_log("browser"):
            print("console:", entry, flush=True)
        raise
    finally:
        driver.quit()


def run(driver):
    step("tokens are on: the dashboard asks for one")
    driver.get(BASE + "/")
    wait_text(driver, "#token-form h1", "Sign in with an API token")
    shot(driver, "01-token")
    typed(driver, "#token-input", "plk_not_a_token")
    click(driver, "#token-form button")
    wait_text(driver, "#token-error", "The token was refused")
    typed(driver, "#token-input", os.environ["ADMIN_TOKEN"])
    click(driver, "#token-form button")
    wait_text(driver, "#whoami", "token:dashboard-admin")
    wait_text(driver, "#live", "live")
    wait_text(driver, "#setups-rows", "No setups match.")
    assert driver.execute_script("return sessionStorage.getItem('privatelinkd.token')") == os.environ["ADMIN_TOKEN"]
    shot(driver, "02-setups-empty")
    # A figure, printed for the README and the notes (never asserted): what the first load cost.
    entries = driver.execute_script(
        "return performance.getEntries().filter(e => e.entryType === 'navigation' || e.entryType === 'resource')"
        ".map(e => ({name: e.name, bytes: e.transferSize, body: e.decodedBodySize}))")
    files = [e for e in entries if "/v1/" not in e["name"]]
    print(f"first load: {len(entries)} requests ({len(files)} files, {len(entries) - len(files)} API calls), "
          f"{sum(e['bytes'] for e in entries)} bytes transferred, files {sum(e['body'] for e in files)} bytes uncompressed", flush=True)

    step("new setup: the API's problems next to their fields, then the plan preview")
    click(driver, "#nav-new")
    wait_text(driver, "h1", "New setup")
    typed(driver, "#f-vpc_id", "vpc-1")
    typed(driver, "#f-subnet_ids", os.environ["SUBNET_IDS"])
    typed(driver, "#f-security_group_ids", os.environ["SECURITY_GROUP_ID"])
    for service in ["metrics", "api"]:
        driver.find_element(By.ID, f"svc-{service}").click()
    wait_text(driver, "#error-vpc_id", "vpc_id must look like vpc-0123456789abcdef0")
    assert driver.find_element(By.ID, "plan-invalid").is_displayed()
    shot(driver, "03-new-setup-errors")
    typed(driver, "#f-vpc_id", os.environ["VPC_ID"])
    wait_text(driver, "#plan-preview-steps", "create_endpoint:metrics")
    assert driver.find_element(By.ID, "error-vpc_id").text == ""
    preview = driver.find_element(By.ID, "plan-endpoints").text
    assert "metrics.agent.datadoghq.com" in preview, preview
    # The estimate: two endpoints in as many AZs as subnets, 730 hours at us-east-1's bundled $0.01.
    zones = len([s for s in re.split(r"[,\s]+", os.environ["SUBNET_IDS"]) if s])
    wait_text(driver, "#plan-cost", f"About ${2 * zones * 730 * 0.01:.2f} a month")
    shot(driver, "04-new-setup-plan")
    # The preview was a dry run: nothing is stored.
    assert driver.execute_script("return fetch('/v1/setup-counts', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('privatelinkd.token')}}).then(r => r.json()).then(j => j.total)") == 0

    step("submit, then watch waiting -> ready without a reload")
    click(driver, "#create-setup")
    WebDriverWait(driver, 20, poll_frequency=0.1).until(lambda d: "#/setups/su_" in d.current_url)
    driver.execute_script("window.__sameDocument = true")
    wait_text(driver, "#setup-status", "waiting", seconds=60)
    wait_text(driver, ".endpoint-state", "pending")
    wait_text(driver, "#plan-steps .step-current", "wait_available")
    shot(driver, "05-setup-waiting")
    print("release-endpoints", flush=True)  # the Swift side lets the proxy show them available
    wait_text(driver, "#setup-status", "ready", seconds=60)
    assert driver.execute_script("return window.__sameDocument === true"), "the page was reloaded"
    wait_text(driver, ".endpoint-state", "available")
    vpce = driver.find_element(By.CSS_SELECTOR, "#endpoints td.mono").text
    assert vpce.startswith("vpce-"), vpce

    step("the verification on ready, with the guide's diagnosis, and one on request")
    wait_text(driver, "#verification-results", "dns_nxdomain", seconds=60)
    wait_text(driver, "#verification-results .advice", "NXDOMAIN")
    click(driver, "#action-verify")
    wait_text(driver, "#action-result", "Verify: accepted")
    wait_text(driver, "#verification-summary", "manual by token:dashboard-admin", seconds=60)
    wait_text(driver, "#verification-summary", "0 of 3 names passed", seconds=60)  # ended: metrics, api and its anchor name
    wait_text(driver, "#verification-results", "dns_nxdomain")
    wait_text(driver, "#timeline-rows", "token:dashboard-admin")
    wait_text(driver, "#timeline-rows", "worker:")
    wait_text(driver, "#setup-head", "token:dashboard-admin")  # created by
    wait_text(driver, "#agent-config-text", "datadoghq.com")
    assert driver.execute_script("return window.__sameDocument === true"), "the page was reloaded"
    shot(driver, "06-setup-ready-verified")

    step("an in-place change: the difference plan, a confirmation, and the endpoint that stays keeps its id")
    metrics_vpce = driver.execute_script(
        "return [...document.querySelectorAll('#endpoints tr')].find(r => r.textContent.includes('metrics.agent')).querySelector('td.mono').textContent")
    click(driver, "#action-edit")
    wait_text(driver, "#edit-plan", "Nothing for AWS to do.")
    click(driver, "#edit-svc-api")
    wait_text(driver, "#edit-diff", "delete the api endpoint")
    shot(driver, "07-setup-edit-plan")
    click(driver, "#edit-apply")
    wait_text(driver, "#confirm-text", "delete api")
    click(driver, "#confirm-ok")
    wait_text(driver, "#action-result", "Change: accepted")
    wait_text(driver, "#timeline-rows", "in-place change: delete api")
    wait_text(driver, "#setup-status", "ready", seconds=60)
    WebDriverWait(driver, 30, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#endpoints tbody tr")) == 1)
    wait_text(driver, "#endpoints", metrics_vpce)
    wait_text(driver, "#steps", "update job, succeeded")
    wait_text(driver, "#plan-steps", "delete_endpoint:api")
    assert driver.execute_script("return window.__sameDocument === true"), "the page was reloaded"

    step("delete asks first; cancelling changes nothing")
    click(driver, "#action-delete")
    wait_text(driver, "#confirm-text", "Delete setup su_")
    click(driver, "#confirm button[value=cancel]")
    wait_text(driver, "#setup-status", "ready")

    step("the list: counts, row, filters")
    click(driver, "#nav-setups")
    wait_text(driver, "#setups-rows", "ready")
    wait_text(driver, "#counts a[data-status=ready]", "1 ready")
    shot(driver, "08-setups-list")
    click(driver, "#counts a[data-status=failed]")
    wait_text(driver, "#setups-rows", "No setups match.")

    step("a reader sees, but is offered no action")
    driver.execute_script("sessionStorage.setItem('privatelinkd.token', arguments[0])", os.environ["READER_TOKEN"])
    driver.refresh()  # a new page load: the dashboard asks /v1/me again
    wait_text(driver, "#whoami", "reader")
    click(driver, "#nav-setups")  # the page still showed ?status=failed
    wait_text(driver, "#setups-rows", "ready")
    click(driver, "#setups-rows a")
    wait_text(driver, "#setup-status", "ready")
    wait_text(driver, "#verification-results", "dns_nxdomain")
    assert not driver.find_elements(By.CSS_SELECTOR, "#actions button"), "a reader was offered actions"
    assert not driver.find_element(By.ID, "nav-new").is_displayed(), "a reader was offered a new setup"
    shot(driver, "09-reader-view")

    step("a hub: a spoke added from its page reaches ready live, then is removed")
    driver.execute_script("sessionStorage.setItem('privatelinkd.token', arguments[0])", os.environ["ADMIN_TOKEN"])
    driver.refresh()  # a new page load: the dashboard asks /v1/me again
    wait_text(driver, "#whoami", "admin")
    hub = create_setup(driver, mode="hub", services=["metrics", "api"])
    assert hub and hub.startswith("su_"), hub
    driver.get(f"{BASE}/#/setups/{hub}")
    wait_text(driver, "#setup-status", "ready", seconds=60)
    wait_text(driver, "#no-spokes", "No spokes yet")
    wait_text(driver, "#verification-summary", "names passed", seconds=60)  # the hub's verification ended: its events have settled
    typed(driver, "#spoke-vpc_id", os.environ["SPOKE_VPC_ID"])
    click(driver, "#add-spoke-submit")
    wait_text(driver, "#action-result, #spoke-result", "the hub saves $")
    wait_text(driver, "#spoke-rows .spoke-state", "ready", seconds=60)
    shot(driver, "10-hub-spokes")
    click(driver, "#spoke-rows button[data-remove-spoke]")
    wait_text(driver, "#confirm-text", "Remove spoke")
    click(driver, "#confirm-ok")
    wait_text(driver, "#no-spokes", "No spokes yet", seconds=60)

    step("a vpc_peering setup shows its peer as the spoke made with it, with no removal of its own")
    peering = create_setup(driver, mode="vpc_peering", services=["metrics"], peer={"vpc_id": os.environ["SPOKE_VPC_ID"], "region": "us-east-1"})
    assert peering and peering.startswith("su_"), peering
    driver.get(f"{BASE}/#/setups/{peering}")
    wait_text(driver, "#spokes h2", "Peer")
    wait_text(driver, f"#spoke-rows tr[data-vpc='{os.environ['SPOKE_VPC_ID']}']", "goes with the setup")
    assert not driver.find_elements(By.CSS_SELECTOR, "#spoke-rows button[data-remove-spoke], #add-spoke"), "the peer was offered removal or an add form"
    print("dashboard: all checks passed", flush=True)


if __name__ == "__main__":
    main()

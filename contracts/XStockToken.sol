// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title XStockToken: the demo world's share-backed ERC-20 (18 decimals) with a multiplier.
/// @notice Follows the public interface of the issuer's token contract
/// (backed-fi/backed-token-contract, BackedAutoFeeTokenImplementation): balances are kept
/// in shares; `totalSupply()` = total shares * multiplier / 1e18 and `balanceOf()` =
/// `sharesOf()` * multiplier / 1e18, both in underlying units; `multiplier()` (1e18
/// precision) is `newMultiplier` from `newMultiplierActivationTime` on and `lastMultiplier`
/// before it; `isPaused()` stops transfers. What it leaves out of the issuer's contract: the
/// periodic management fee (`feePerPeriod`), nonces, permits, sanctions list and roles
/// other than the issuer.
/// Storage layout is fixed (the demo world places copies at registry addresses):
/// slot 0 issuer + isPaused, 1 total shares, 2 shares, 3 allowances, 4 name, 5 symbol,
/// 6 lastMultiplier, 7 newMultiplier, 8 newMultiplierActivationTime.
contract XStockToken {
    address public issuer;
    bool public isPaused;
    uint256 internal _totalShares;
    mapping(address => uint256) internal _shares;
    mapping(address => mapping(address => uint256)) public allowance;
    string public name;
    string public symbol;
    uint256 public lastMultiplier;
    uint256 public newMultiplier;
    uint256 public newMultiplierActivationTime;

    uint8 public constant decimals = 18;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event TransferShares(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event PauseModeChange(bool newPauseMode);
    event MultiplierUpdated(uint256 value);
    event MultiplierScheduled(uint256 newMultiplier, uint256 activationTime);
    event IssuerChanged(address indexed previous, address indexed next);

    error NotIssuer();
    error IsPaused();
    error InsufficientBalance();
    error InsufficientAllowance();
    error ZeroAddress();
    error ZeroMultiplier();
    error MultiplierChanged();

    modifier onlyIssuer() {
        if (msg.sender != issuer) revert NotIssuer();
        _;
    }

    constructor(string memory name_, string memory symbol_) {
        issuer = msg.sender;
        name = name_;
        symbol = symbol_;
        lastMultiplier = 1e18;
        newMultiplier = 1e18;
    }

    /// The multiplier in force now (1e18 precision).
    function multiplier() public view returns (uint256) {
        if (block.timestamp >= newMultiplierActivationTime) {
            return newMultiplier;
        }
        return lastMultiplier;
    }

    function totalSupply() external view returns (uint256) {
        return (_totalShares * multiplier()) / 1e18;
    }

    function balanceOf(address account) external view returns (uint256) {
        return (_shares[account] * multiplier()) / 1e18;
    }

    function sharesOf(address account) external view returns (uint256) {
        return _shares[account];
    }

    function getSharesByUnderlyingAmount(uint256 amount) public view returns (uint256) {
        return (amount * 1e18) / multiplier();
    }

    function getUnderlyingAmountByShares(uint256 shares) public view returns (uint256) {
        return (shares * multiplier()) / 1e18;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transferShares(msg.sender, to, getSharesByUnderlyingAmount(value), value);
        return true;
    }

    function transferShares(address to, uint256 shares) external returns (bool) {
        _transferShares(msg.sender, to, shares, getUnderlyingAmountByShares(shares));
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance();
            allowance[from][msg.sender] = allowed - value;
        }
        _transferShares(from, to, getSharesByUnderlyingAmount(value), value);
        return true;
    }

    /// Mint `value` in underlying units (shares = value * 1e18 / multiplier).
    function mint(address to, uint256 value) external onlyIssuer {
        if (to == address(0)) revert ZeroAddress();
        uint256 shares = getSharesByUnderlyingAmount(value);
        _totalShares += shares;
        _shares[to] += shares;
        emit Transfer(address(0), to, value);
        emit TransferShares(address(0), to, shares);
    }

    /// Burn `value` in underlying units from `from`.
    function burn(address from, uint256 value) external onlyIssuer {
        uint256 shares = getSharesByUnderlyingAmount(value);
        uint256 balance = _shares[from];
        if (balance < shares) revert InsufficientBalance();
        _shares[from] = balance - shares;
        _totalShares -= shares;
        emit Transfer(from, address(0), value);
        emit TransferShares(from, address(0), shares);
    }

    /// As the issuer's contract: set `pendingNewMultiplier` from `activationTime` (now when
    /// it is not in the future), only if the multiplier in force is still `oldMultiplier`.
    function updateMultiplierValue(
        uint256 pendingNewMultiplier,
        uint256 oldMultiplier,
        uint256 activationTime
    ) external onlyIssuer {
        if (pendingNewMultiplier == 0) revert ZeroMultiplier();
        uint256 current = multiplier();
        if (current != oldMultiplier) revert MultiplierChanged();
        lastMultiplier = current;
        newMultiplier = pendingNewMultiplier;
        if (activationTime > block.timestamp) {
            newMultiplierActivationTime = activationTime;
            emit MultiplierScheduled(pendingNewMultiplier, activationTime);
        } else {
            newMultiplierActivationTime = 0;
            lastMultiplier = pendingNewMultiplier;
            emit MultiplierUpdated(pendingNewMultiplier);
        }
    }

    function setPause(bool newPauseMode) external onlyIssuer {
        isPaused = newPauseMode;
        emit PauseModeChange(newPauseMode);
    }

    function setIssuer(address next) external onlyIssuer {
        if (next == address(0)) revert ZeroAddress();
        emit IssuerChanged(issuer, next);
        issuer = next;
    }

    function _transferShares(address from, address to, uint256 shares, uint256 value) internal {
        if (isPaused) revert IsPaused();
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = _shares[from];
        if (balance < shares) revert InsufficientBalance();
        _shares[from] = balance - shares;
        _shares[to] += shares;
        emit Transfer(from, to, value);
        emit TransferShares(from, to, shares);
    }
}

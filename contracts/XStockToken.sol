// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title XStockToken: the demo world's share-backed ERC-20 (18 decimals).
/// @notice Only the issuer mints and burns; the issuer can pause transfers.
/// Storage layout is fixed (the demo world places copies at registry addresses):
/// slot 0 issuer + paused, 1 totalSupply, 2 balances, 3 allowances, 4 name, 5 symbol.
contract XStockToken {
    address public issuer;
    bool public paused;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    string public name;
    string public symbol;

    uint8 public constant decimals = 18;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Paused(bool paused);
    event IssuerChanged(address indexed previous, address indexed next);

    error NotIssuer();
    error IsPaused();
    error InsufficientBalance();
    error InsufficientAllowance();
    error ZeroAddress();

    modifier onlyIssuer() {
        if (msg.sender != issuer) revert NotIssuer();
        _;
    }

    constructor(string memory name_, string memory symbol_) {
        issuer = msg.sender;
        name = name_;
        symbol = symbol_;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
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
        _transfer(from, to, value);
        return true;
    }

    function mint(address to, uint256 value) external onlyIssuer {
        if (to == address(0)) revert ZeroAddress();
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function burn(address from, uint256 value) external onlyIssuer {
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance();
        balanceOf[from] = balance - value;
        totalSupply -= value;
        emit Transfer(from, address(0), value);
    }

    function setPaused(bool paused_) external onlyIssuer {
        paused = paused_;
        emit Paused(paused_);
    }

    function setIssuer(address next) external onlyIssuer {
        if (next == address(0)) revert ZeroAddress();
        emit IssuerChanged(issuer, next);
        issuer = next;
    }

    function _transfer(address from, address to, uint256 value) internal {
        if (paused) revert IsPaused();
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance();
        balanceOf[from] = balance - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title DemoOracle: a Chainlink AggregatorV3-compatible feed whose owner sets the answer.
/// Storage layout is fixed (the demo world places copies at chosen addresses):
/// slot 0 owner + decimals, 1 description, 2 latestRound, 3 rounds.
contract DemoOracle {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    address public owner;
    uint8 public decimals;
    string public description;
    uint80 public latestRound;
    mapping(uint80 => Round) internal rounds;

    uint256 public constant version = 4;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    error NotOwner();
    error NoData();

    constructor(uint8 decimals_, string memory description_) {
        owner = msg.sender;
        decimals = decimals_;
        description = description_;
    }

    function setAnswer(int256 answer) external {
        if (msg.sender != owner) revert NotOwner();
        uint80 id = latestRound + 1;
        latestRound = id;
        rounds[id] = Round(answer, block.timestamp, block.timestamp);
        emit AnswerUpdated(answer, id, block.timestamp);
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256, uint256, uint256, uint80)
    {
        Round memory r = rounds[roundId];
        if (r.updatedAt == 0) revert NoData();
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
